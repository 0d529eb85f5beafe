import { decodeArtifact, readArtifactFile, writeArtifactFile } from './artifact.ts';
import { AlsModel } from './als.ts';
import { BlendModel } from './blend.ts';
import { EaseModel } from './ease.ts';
import { ArtifactFormatError } from './errors.ts';
import type { Recommender } from './model.ts';
import { PopularityModel } from './popularity.ts';
import { Rp3betaModel } from './rp3beta.ts';
import { SparseEaseModel } from './sparse-ease.ts';

/** Loads any model artifact, dispatching on its kind (checksum verified first). */
export function loadModel(bytes: Uint8Array): Recommender {
  const kind = decodeArtifact(bytes).kind;
  switch (kind) {
    case 'als':
      return AlsModel.load(bytes);
    case 'ease':
      return EaseModel.load(bytes);
    case 'popularity':
      return PopularityModel.load(bytes);
    case 'sparse-ease':
      return SparseEaseModel.load(bytes);
    case 'rp3beta':
      return Rp3betaModel.load(bytes);
    case 'blend':
      return BlendModel.load(bytes, loadModel);
    default:
      throw new ArtifactFormatError(`unknown model kind ${kind}`);
  }
}

export function saveModelFile(model: Recommender, path: string): void {
  writeArtifactFile(path, model.save());
}

export function loadModelFile(path: string): Recommender {
  return loadModel(readArtifactFile(path));
}
