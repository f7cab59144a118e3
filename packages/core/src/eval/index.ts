/**
 * @mycontent/core/eval — offline evaluation: splits, metrics, the evaluator, and the replay of a
 * stream through the engine's ranking code.
 *
 * @packageDocumentation
 * @module @mycontent/core/eval
 */

// Splitters
export { splitRandomPerUser, splitTemporal, splitLeaveLastOut, splitSessionNextClick } from './split';
export type { TrainTestSplit, SessionSplit, NextClickCase } from './split';

// Metrics
export {
  precisionAtK,
  recallAtK,
  hitRateAtK,
  hitsAtK,
  ndcgAtK,
  averagePrecisionAtK,
  reciprocalRankAtK,
  auc,
  catalogCoverage,
  categoryCoverage,
  intraListDiversity,
  novelty,
  serendipityAtK,
} from './metrics';

// The evaluator (rating splits)
export { evaluateModels, evaluateRatings, formatEvaluationReport } from './evaluate';
export type { EvaluateOptions, EvaluationReport, EvaluationMetrics, EvaluationProtocol, ModelEvaluation, RatingErrors } from './evaluate';

// Replay: answer queries as a live service would, walking a stream in time order
export { replayRecommendations, evaluateReplay, formatReplayReport, streamRowsInOrder, describeUpdate } from './replay';
export type {
  ReplayQuery,
  ReplayUpdate,
  ReplayRanking,
  ReplayOptions,
  ReplayStats,
  ReplayResult,
  ReplayEvaluationOptions,
  ReplayEvaluation,
  ReplayReport,
} from './replay';

// The training pipeline: fit, register, evaluate against the serving version, promote through a gate
export { createTrainingPipeline, createMemoryJournal, createFileJournal } from './pipeline';
export type { TrainingPipeline, TrainingPipelineOptions, PipelineRun, PipelineJournal, ModelCycle, PromotionGate, CycleWindow } from './pipeline';
export { runFitWorker } from './fit-worker';

// Hyper-parameter search on a validation split: seeded, bounded by trials and time
export { tuneHyperparameters } from './tune';
export type { TuneOptions, TuneResult, Trial, SearchSpace, ParameterRange, Configuration } from './tune';

// Drift of the reading world against the serving models: when to retrain before the schedule says so
export { createDriftMonitor } from './drift';
export type { DriftMonitor, DriftMonitorOptions, DriftReport, DriftThresholds } from './drift';
export { createTrainingScheduler } from './scheduler';
export type { TrainingScheduler, TrainingSchedulerOptions, CycleReason } from './scheduler';
