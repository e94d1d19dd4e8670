export { colors, type Palette, plain, stripAnsi, wantsColor } from './ansi.ts';
export { commandName, usageProblem } from './cli-name.ts';
export { type Demo, type DemoOutput, type DemoResult, startDemo } from './demo.ts';
export { type DemoCommand, type DemoOptions, demoUsage, type LoopMode, parseDemoArgs } from './demo-args.ts';
export { type Chain, type ChainMember, type ChainOptions, type StopResult, startChain } from './demo-chain.ts';
export {
  JaegerError,
  JaegerNotApiError,
  JaegerUnreachableError,
  NoTracesError,
} from './errors.ts';
export { terminalColumns, truncate, wrapWords } from './fit-width.ts';
export { apiUrl, fetchServices, fetchTraces, type JaegerClientOptions, type TraceQuery } from './jaeger-client.ts';
export { MESH_PROVIDERS, type MeshProvider, PROPAGATORS_FOR } from './mesh-providers.ts';
export { formatDuration, renderTotals, renderTrace, summaryLine } from './render-trace.ts';
export { createSpanForwarder, type ForwardState, type SpanForwarder } from './span-forwarder.ts';
export {
  type AnalysisOptions,
  analyzeTrace,
  type Finding,
  type FindingCode,
  type Note,
  sidecarOwner,
  type TraceAnalysis,
  type Verdict,
} from './trace-analysis.ts';
export {
  type CollectorOptions,
  type CompletedTrace,
  createTraceCollector,
  type TraceCollector,
} from './trace-collector.ts';
export { buildTree, groupByTrace, type SpanNode, type TraceTree, walk } from './trace-tree.ts';
export { exitCodeOf, type TraceVerdict, type VerifyReport, verifyTraces } from './verify.ts';
export {
  DEFAULT_EXPECT,
  parseVerifyArgs,
  type VerifyCommand,
  type VerifyOptions,
  verifyUsage,
} from './verify-args.ts';
export { renderVerifyJson, renderVerifyTable } from './verify-report.ts';
