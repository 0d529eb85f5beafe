import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';

/**
 * Chunk sizes, in characters. all-MiniLM-L6-v2 (the search issue's encoder) reads at most
 * 128 tokens here (its encoder.json; 256 is the model's hard limit) and English runs about
 * four characters a token, so a 480-character piece plus its title header (the chunk is
 * "<title>\n\n<piece>") is read whole; a fifth of each piece repeats the end of the one
 * before, so a sentence cut at a boundary is still whole in one of the two.
 */
export const CHUNK_SIZE = 480;
export const CHUNK_OVERLAP = 96;

export interface ChunkingOptions {
  chunkSize?: number;
  chunkOverlap?: number;
}

/**
 * Splits a markdown body at headings, then paragraphs, lines, sentences and words (the
 * recursive splitter's markdown separators), into overlapping pieces.
 */
export async function splitBody(body: string, o: ChunkingOptions = {}): Promise<string[]> {
  const splitter = RecursiveCharacterTextSplitter.fromLanguage('markdown', {
    chunkSize: o.chunkSize ?? CHUNK_SIZE,
    chunkOverlap: o.chunkOverlap ?? CHUNK_OVERLAP,
  });
  const pieces = await splitter.splitText(body.trim());
  return pieces.map((p) => p.trim()).filter((p) => p.length > 0);
}

/**
 * A document's chunks as stored, embedded and searched: each opens with the document's
 * title, so a piece that says "30 days" still says of what ("Returns & refunds"), for the
 * encoder, the lexical index and the agent reading it.
 */
export async function chunkDocument(title: string, body: string, o: ChunkingOptions = {}): Promise<string[]> {
  return (await splitBody(body, o)).map((piece) => `${title}\n\n${piece}`);
}
