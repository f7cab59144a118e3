/** The models the pipeline trains: the service's collaborative and popularity models, same names, same options. */
import { createItemKnnModel, createPopularityModel } from '@mycontent/algorithms';

const HOUR = 3_600_000;

/** Factories by the names the service serves them under. */
export const MODELS = {
  trending: () => createPopularityModel({ halfLifeMs: 6 * HOUR }),
  related: () => createItemKnnModel({ similarity: 'cosine', neighbors: 100 }),
};
