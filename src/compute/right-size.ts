import { TRAINERS } from '../training/trainers/index.js';

/**
 * Right-sizing: a recipe's trainer decides its resource class. The built-in trainers
 * (ridge, random forest, Tanimoto kNN) run on CPUs only, so a GPU asked for one of them
 * would sit idle for the whole job: the request is dropped, with the reason logged.
 */
export function rightSize(algorithm: string, requestedGpus: number): { gpus: number; reason?: string } {
  if (requestedGpus > 0 && algorithm in TRAINERS) {
    return { gpus: 0, reason: `${algorithm} is a built-in CPU trainer: ${requestedGpus} GPU${requestedGpus > 1 ? 's' : ''} requested, none allocated` };
  }
  return { gpus: requestedGpus };
}
