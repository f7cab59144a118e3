/**
 * The My Content command line. From the repository root:
 *
 *   npm run cli -- generate --kind news --scale demo --seed 42 --out data/news
 *   npm run cli -- generate --kind ratings --seed 1 --out data/ml
 *   npm run cli -- evaluate --data data/ml --format movielens --models popular,itemknn,als,bpr,ease
 *   npm run --silent cli -- recommend --train data/ml --format movielens --queries q.jsonl --model als --k 10 --out recs.jsonl
 *   npm run cli -- experiment-results --experiments data/ab/experiments.json --key blend-weight --exposures data/ab/exposures.jsonl --interactions data/ab/interactions.jsonl
 *   npm run cli -- tune --data data/ml --format movielens --model als --trials 20 --out tuned/als.json
 *   npm run cli -- train --data data/ml --format movielens --model als --registry data/models --candidate
 *   npm run cli -- models list --registry data/models
 *   npm run cli -- models promote als latest --registry data/models
 *   npm run cli -- models rollback als --registry data/models
 *
 * Relative paths are read from where the command runs. Exit codes: 0 done, 1 the work failed (a
 * bad file, an unknown model, k ≤ 0...: the message says what), 2 the command line is wrong (an
 * unknown command or option, a missing required option, a value not among the choices).
 */
import { Command, CommanderError, Option } from 'commander';
import { isMyContentError } from '@mycontent/core';
import { evaluate } from './commands/evaluate';
import { generate } from './commands/generate';
import { recommend } from './commands/recommend';
import { experimentResultsCommand } from './commands/experiment-results';
import { listVersions, promoteVersion, pruneVersions, rollbackVersion, unpinVersion } from './commands/model-versions';
import { train } from './commands/train';
import { tune } from './commands/tune';
import { FORMATS } from './data';
import { MODELS, withConfiguration } from './models';

const log = (line: string) => process.stderr.write(`${line}\n`);
const collect = (value: string, previous: string[]) => [...previous, value];
const modelList = Object.entries(MODELS)
  .map(([name, spec]) => `  ${name.padEnd(13)}${spec.description}`)
  .join('\n');

const program = new Command('npm run cli --')
  .description('The My Content command line: synthetic datasets, offline evaluation with a stated protocol, batch recommendations.')
  .exitOverride()
  .showHelpAfterError('(add --help for usage)')
  .configureOutput({ writeErr: (text) => process.stderr.write(text), writeOut: (text) => process.stdout.write(text) });

program
  .command('generate')
  .description('write a seeded synthetic dataset: news in the Globo.com layout, ratings as MovieLens u.data, or an A/B test log')
  .addOption(new Option('--kind <kind>', 'what to generate').choices(['news', 'ratings', 'experiment']).default('news'))
  .addOption(new Option('--scale <scale>', 'size of the news log (experiment: 2,000 / 20,000 / 200,000 readers; ratings: full is MovieLens-1M-shaped, else 100k)').choices(['tiny', 'demo', 'full']).default('demo'))
  .option('--seed <n>', 'random seed', '42')
  .option('--end <time>', 'news: when the click log ends (ISO-8601 or epoch ms; default: the start of today, UTC)')
  .requiredOption('--out <dir>', 'output directory (created when missing)')
  .action((options) => generate(options, log));

program
  .command('evaluate')
  .description('offline evaluation: a rating split (full or sampled ranking), or the replay of a news stream (--protocol replay)')
  .requiredOption('--data <path>', 'dataset file or directory')
  .addOption(new Option('--format <format>', 'dataset format').choices([...FORMATS]).makeOptionMandatory())
  .option('--models <list>', 'comma-separated model names')
  .addOption(new Option('--split <split>', 'how to split (default: random for movielens, session for globo, temporal for csv)').choices(['random', 'temporal', 'leave-last-out', 'session']))
  .option('--ratio <r>', 'training share of each user, random split', '0.75')
  .option('--test-ratio <r>', 'test share, temporal/session split or replay')
  .option('--k <n>', 'list length', '10')
  .addOption(new Option('--protocol <protocol>', 'ranking protocol').choices(['full', 'sampled', 'replay']).default('full'))
  .option('--negatives <n>', 'sampled protocol: negatives per case', '100')
  .option('--max-cases <n>', 'ask at most this many questions (a seeded sample)')
  .option('--seed <n>', 'random seed', '42')
  .option('--param <key=value>', 'model parameter (model.key=value), repeatable', collect, [])
  .option('--json <file>', 'JSON report', 'evaluation.json')
  .option('--updates <list>', 'replay: update policies, of frozen, retrain, online', 'online')
  .option('--retrain-every <minutes>', 'replay: minutes between refits of the retrain policy', '60')
  .option('--at <time>', 'replay: start of the test window (ISO-8601 or epoch ms)')
  .option('--config <file>', 'a configuration file (as tune writes it): its model and parameters')
  .action(async (options) => evaluate(await withConfiguration(options, 'models'), log));

program
  .command('tune')
  .description("search a model's hyper-parameters on a validation split carved from the training part, then measure the defaults and the best on the held-back part; writes the best configuration")
  .requiredOption('--data <path>', 'dataset file or directory')
  .addOption(new Option('--format <format>', 'dataset format').choices([...FORMATS]).makeOptionMandatory())
  .requiredOption('--model <name>', 'the model to tune (see the list below: those with a search space)')
  .addOption(new Option('--protocol <protocol>', 'how a configuration is scored: a rating split (full ranking) or the replay of a stream').choices(['full', 'replay']).default('full'))
  .option('--metric <name>', 'what to maximise: ndcg, hitRate, mrr (and precision, recall, map for full)', 'ndcg')
  .addOption(new Option('--split <split>', 'full: how the held-back part is split off (as evaluate)').choices(['random', 'temporal', 'leave-last-out', 'session']))
  .option('--ratio <r>', 'full, random split: training share of each user', '0.75')
  .option('--test-ratio <r>', 'held-back share (temporal/session split, or replay without --at)')
  .option('--validation-ratio <r>', 'share of the training part used to validate the trials', '0.2')
  .option('--at <time>', 'replay: start of the held-back window (ISO-8601 or epoch ms); trials replay the end of what comes before')
  .option('--k <n>', 'list length', '10')
  .option('--trials <n>', 'configurations tried, the defaults first', '20')
  .option('--budget-minutes <m>', 'start no trial after this long')
  .option('--max-cases <n>', 'ask at most this many questions per measurement (a seeded sample)')
  .option('--seed <n>', 'random seed (the same seed tries the same configurations)', '42')
  .option('--out <file>', 'the best configuration, its scores and every trial, as JSON', 'tuned.json')
  .addHelpText('after', `\nModels:\n${modelList}`)
  .action((options) => tune(options, log));

program
  .command('experiment-results')
  .description("an experiment's results from its served lists and the feedback: per variant, each against the control, the sample-ratio check")
  .requiredOption('--experiments <file>', 'the experiments file ({"experiments": [...]}, as the service reads it)')
  .requiredOption('--key <key>', 'the experiment')
  .option('--postgres <url>', 'read the exposures and interactions tables of this database')
  .option('--schema <name>', 'PostgreSQL schema', 'mycontent')
  .option('--exposures <file>', 'or: served lists, one JSON exposure a line')
  .option('--interactions <file>', 'and: interactions, one JSON object a line')
  .option('--sequential', 'always-valid intervals (safe to read at any time) instead of fixed-horizon ones', false)
  .option('--alpha <a>', 'significance level', '0.05')
  .option('--window-minutes <m>', 'attribute clicks without a list id to the latest list within this time', '30')
  .option('--json <file>', 'the results as JSON (for dashboards)')
  .action(async (options) => void (await experimentResultsCommand(options, log)));

program
  .command('recommend')
  .description('the batch contract (docs/cli.md): fit a model and answer every query of a JSONL file, in query order')
  .requiredOption('--train <path>', 'training file or directory')
  .addOption(new Option('--format <format>', 'training data format').choices([...FORMATS]).makeOptionMandatory())
  .requiredOption('--queries <file>', 'queries, one JSON object a line: {"id", "user"?, "session"?, "exclude"?, "ts"?}')
  .option('--model <name>', 'model or preset name (see the list below)')
  .option('--config <file>', 'or: a configuration file (as tune writes it), its model and parameters')
  .option('--k <n>', 'items per answer', '10')
  .option('--seed <n>', 'random seed', '42')
  .option('--param <key=value>', 'model parameter, repeatable', collect, [])
  .option('--allow-unknown', 'treat unknown users as cold and drop unknown items instead of failing', false)
  .requiredOption('--out <file>', 'answers, one JSON object a line: {"id", "items"}')
  .option('--replay <stream>', 'walk this stream CSV in time order and answer each query (which needs "ts") at its time')
  .option('--sort-stream', 'replay: sort the stream by timestamp instead of rejecting one out of order', false)
  .option('--update <policy>', 'replay: online, frozen or retrain', 'online')
  .option('--retrain-every <minutes>', 'replay: minutes between refits of retrain', '60')
  .addHelpText('after', `\nModels:\n${modelList}`)
  .action(async (options) => recommend(await withConfiguration(options, 'model'), log));

/** The options naming a model registry: a directory, or a PostgreSQL database. */
const withRegistryOptions = (command: Command) =>
  command
    .option('--registry <dir>', 'a file model registry (created when missing)')
    .option('--postgres <url>', 'or: the models table of this PostgreSQL database')
    .option('--schema <name>', 'PostgreSQL schema', 'mycontent');

withRegistryOptions(
  program
    .command('train')
    .description('fit a model (or each model of a preset) and register it as a new version, with its lineage: data window, parameters, seed, code version, fit time')
    .requiredOption('--data <path>', 'training file or directory')
    .addOption(new Option('--format <format>', 'training data format').choices([...FORMATS]).makeOptionMandatory())
    .requiredOption('--model <name>', 'model or preset name (see the list below)')
    .option('--param <key=value>', 'model parameter, repeatable', collect, [])
    .option('--seed <n>', 'random seed', '42')
    .option('--candidate', 'register as a candidate (promote it later) instead of serving at once', false)
    .addHelpText('after', `\nModels:\n${modelList}`),
).action(async (options) => void (await train(options, log)));

const models = program.command('models').description('the model registry: versions and their states (candidate, serving, retired), promotion, rollback, pins, retention');
const print = (line: string) => process.stdout.write(`${line}\n`);
withRegistryOptions(models.command('list [name]').description('every version of a model (or of every model): state, creation, size, data window, what it replaced')).action(
  async (name: string | undefined, options) => void (await listVersions(name, options, print)),
);
withRegistryOptions(
  models
    .command('promote <name> <version>')
    .description('serve this version (a number, or latest: the newest); the serving one retires, and every service instance follows on its next refresh')
    .option('--pin', 'pin it: later promotions are refused until unpinned', false)
    .option('--force', 'promote even over a pinned version', false),
).action(async (name: string, version: string, options) => void (await promoteVersion(name, version, options, print)));
withRegistryOptions(models.command('rollback <name>').description('serve again the version that served before the current one')).action(
  async (name: string, options) => void (await rollbackVersion(name, options, print)),
);
withRegistryOptions(models.command('unpin <name>').description('allow promotions over the serving version again')).action(async (name: string, options) => void (await unpinVersion(name, options, print)));
withRegistryOptions(
  models.command('prune <name>').description('retention: delete old versions beyond the newest N, never the serving one nor its rollback target').requiredOption('--keep <n>', 'versions to keep'),
).action(async (name: string, options) => void (await pruneVersions(name, options, print)));

program.addHelpText('after', `\nModels (evaluate --models, recommend --model):\n${modelList}\n\nRelative paths are read from where the command runs.`);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are not errors; every other parse failure is a usage error.
    process.exitCode = error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version' ? 0 : 2;
  } else if (isMyContentError(error)) {
    log(`error: ${error.message}`);
    process.exitCode = 1;
  } else throw error;
}
