// The news audience simulator (examples/simulator): every policy through the same simulated days.
import { createWorld, runPolicy, type PolicyReport } from '../../examples/simulator/src/simulator';
import { POLICIES } from '../../examples/simulator/src/policies';
import { report } from '../lib';

const world = createWorld({ seed: 1, days: 5 });
const reports: PolicyReport[] = [];
for (const [name, policy] of Object.entries(POLICIES)) reports.push(await runPolicy(world, name, policy));
report({ world: { ...world.options, articles: world.articles.length, users: world.users.length }, reports });
