// The news audience simulator (examples/simulator): every policy through the same simulated days,
// then the new-article exposure policies in a larger world (time to 1,000 impressions).
import { createWorld, runPolicy, type PolicyReport } from '../../examples/simulator/src/simulator';
import { EXPOSURE_POLICIES, EXPOSURE_WORLD, POLICIES } from '../../examples/simulator/src/policies';
import { report } from '../lib';

const world = createWorld({ seed: 1, days: 5 });
const reports: PolicyReport[] = [];
for (const [name, policy] of Object.entries(POLICIES)) reports.push(await runPolicy(world, name, policy));
const exposureWorld = createWorld(EXPOSURE_WORLD);
const exposure: PolicyReport[] = [];
for (const [name, policy] of Object.entries(EXPOSURE_POLICIES)) exposure.push(await runPolicy(exposureWorld, name, policy, 1000));
report({
  world: { ...world.options, articles: world.articles.length, users: world.users.length },
  reports,
  exposureWorld: { ...exposureWorld.options, articles: exposureWorld.articles.length, users: exposureWorld.users.length },
  exposure,
});
