/**
 * Experiments, for the product team (editors and administrators): the running definitions, and
 * each experiment's results read from the logged exposures and the stored feedback — per variant
 * click-through, engagement, diversity, coverage and novelty, compared with the control
 * (always-valid intervals by default), with the sample-ratio check.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { experimentResults, type Recommender } from '@mycontent/core';
import { withRole } from '../../auth/guard';
import type { Backends } from '../../backends';
import { HttpProblem } from '../problem';
import { experimentParams, experimentResultsQuery, experimentResultsResponse, experimentsResponse, problems } from '../schemas';
import { experimentResultsView, experimentView } from '../views';

const secured = { security: [{ bearer: [] }] };

export const experimentRoutes: FastifyPluginAsyncZod<{ recommender: Recommender; experiments: Backends['experiments'] }> = async (app, { recommender, experiments }) => {
  app.get('/experiments', {
    schema: { tags: ['experiments'], summary: 'The experiments the service runs (editors)', ...secured, response: { 200: experimentsResponse, ...problems(401, 403, 429) } },
    handler: async (request) => {
      withRole(request, 'editor', 'admin');
      return { experiments: (experiments?.assigner.experiments ?? []).map(experimentView) };
    },
  });

  app.get('/experiments/:key/results', {
    schema: {
      tags: ['experiments'],
      summary: "An experiment's results: per variant metrics and comparisons with the control (editors)",
      ...secured,
      params: experimentParams,
      querystring: experimentResultsQuery,
      response: { 200: experimentResultsResponse, ...problems(400, 401, 403, 404, 429) },
    },
    handler: async (request) => {
      withRole(request, 'editor', 'admin');
      const { key } = request.params;
      const experiment = experiments?.assigner.experiments.find((x) => x.key === key);
      if (!experiments || !experiment) throw new HttpProblem(404, 'Not Found', `no experiment ${JSON.stringify(key)}`, [{ field: 'key', value: key, message: 'unknown experiment' }]);
      await recommender.flush(); // the lists served up to now
      const results = await experimentResults({
        experiment,
        exposures: experiments.exposures.scan({ experiment: key }),
        interactions: experiments.interactions.scan(),
        categoryOf: (id) => recommender.catalog.categoryOf(recommender.catalog.indexOf(id)),
        sequential: request.query.sequential === 'true',
        alpha: request.query.alpha,
        attributionWindowMs: request.query.attribution_window_minutes * 60_000,
      });
      return experimentResultsView(results);
    },
  });
};
