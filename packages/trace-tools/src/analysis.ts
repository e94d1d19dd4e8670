/**
 * The trace analysis alone: pure functions over spans, no servers and no CLIs. For an app that
 * judges traces it did not receive over Zipkin: the frontend's propagation explorer and loop
 * give the same verdict, for the same reasons, as `./pnpmw demo` and `./pnpmw verify`.
 */

export type { SpanKindName, SpanStatus, TraceSpan } from '@meshtrace/harness';
export { MESH_PROVIDERS, type MeshProvider } from './mesh-providers.ts';
export { summaryLine } from './render-trace.ts';
export {
  type AnalysisOptions,
  analyzeTrace,
  type Finding,
  type FindingCode,
  type Note,
  type TraceAnalysis,
  type Verdict,
} from './trace-analysis.ts';
export { groupByTrace } from './trace-tree.ts';
