import { Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';

/**
 * The one kind of request allowed past the body limit: a photo for image search. A photo is
 * megabytes of base64, every other request is a few kilobytes, so raising the body limit for
 * everything would let any operation carry megabytes; instead a body over it passes only when
 * it is exactly one query whose only root field is `field`, with the photo in a variable bound
 * to `argument`, and everything else in the body (query text, other variables) within the
 * ordinary limit. Everything downstream (rate limits, query cost, the image checks) still runs.
 */
export interface ImageUpload {
  /** The root Query field that takes the photo (searchByImage). */
  field: string;
  /** Its argument carrying the base64 photo (imageBase64). */
  argument: string;
}

export interface ImageUploadLimit extends ImageUpload {
  /** Largest body such a request may have (the photo in base64 plus its envelope). */
  maxBytes: number;
}

/** A query this small parses in microseconds; anything longer is no image-search operation. */
const MAX_TOKENS = 2_000;

function onlyOperation(doc: DocumentNode): OperationDefinitionNode | undefined {
  const operations = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  return operations.length === 1 ? operations[0] : undefined;
}

/**
 * Whether an over-limit body (already parsed JSON, `bytes` long) is an image upload that
 * may exceed `maxBodyBytes`: one query operation whose root selection is the one upload field,
 * its argument a variable holding a string, and the body less that string within the limit.
 */
export function isImageUpload(body: unknown, bytes: number, maxBodyBytes: number, upload: ImageUpload): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { query, variables } = body as { query?: unknown; variables?: unknown };
  if (typeof query !== 'string' || query.length > maxBodyBytes) return false;
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) return false;
  let doc: DocumentNode;
  try {
    doc = parse(query, { maxTokens: MAX_TOKENS, noLocation: true });
  } catch {
    return false;
  }
  const operation = onlyOperation(doc);
  if (operation?.operation !== 'query') return false;
  const [root, ...more] = operation.selectionSet.selections;
  if (!root || more.length || root.kind !== Kind.FIELD || root.name.value !== upload.field) return false;
  const argument = root.arguments?.find((a) => a.name.value === upload.argument);
  if (argument?.value.kind !== Kind.VARIABLE) return false;
  const photo = (variables as Record<string, unknown>)[argument.value.name.value];
  if (typeof photo !== 'string') return false;
  // Base64 is ASCII: its JSON form is as many bytes as characters.
  return bytes - photo.length <= maxBodyBytes;
}
