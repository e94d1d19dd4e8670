import { context, propagation, type TextMapPropagator, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  type Sampler,
  SimpleSpanProcessor,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { createPropagator, createSampler, type PropagatorName, type SamplerName } from '../../src/propagation.ts';
import { createZipkinExporter, debugSpanProcessor } from '../../src/zipkin-upload.ts';

export interface InProcessTracing {
  /** Every span ended, synchronously (SimpleSpanProcessor + InMemorySpanExporter). */
  readonly memory: InMemorySpanExporter;
  /** The sampler used from now on, as OTEL_TRACES_SAMPLER would set it. */
  useSampler(name: SamplerName): void;
  /** The propagators used from now on, in order, as OTEL_PROPAGATORS would set them. */
  usePropagators(names: readonly PropagatorName[]): void;
  /** Removes the globals again (the API keeps them per process). */
  uninstall(): Promise<void>;
}

/**
 * The SDK as startTracing() assembles it, minus the batch processor: our
 * propagator, our sampler and the debug marker, installed as the OpenTelemetry
 * globals. With `zipkinUrl`, each span is also uploaded there as it ends.
 */
export function installTracing(
  options: { zipkinUrl?: string; propagators?: readonly PropagatorName[] } = {},
): InProcessTracing {
  const memory = new InMemorySpanExporter();
  let current = createSampler({ sampler: 'parentbased_always_on', samplerArg: 1 });
  const sampler: Sampler = {
    shouldSample: (...args) => current.shouldSample(...args),
    toString: () => current.toString(),
  };
  const processors: SpanProcessor[] = [debugSpanProcessor, new SimpleSpanProcessor({ exporter: memory })];
  if (options.zipkinUrl) {
    const exporter = createZipkinExporter({ url: options.zipkinUrl, timeoutMs: 5000 });
    processors.push(new SimpleSpanProcessor({ exporter }));
  }
  const provider = new TracerProvider({ sampler, spanProcessors: processors });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // The API takes one global propagator per process: this one delegates, so tests can switch.
  let propagator = createPropagator(options.propagators ?? ['tracecontext', 'baggage', 'b3multi']);
  const switchable: TextMapPropagator = {
    inject: (...args) => propagator.inject(...args),
    extract: (...args) => propagator.extract(...args),
    fields: () => propagator.fields(),
  };
  propagation.setGlobalPropagator(switchable);
  trace.setGlobalTracerProvider(provider);
  return {
    memory,
    useSampler(name) {
      current = createSampler({ sampler: name, samplerArg: 1 });
    },
    usePropagators(names) {
      propagator = createPropagator(names);
    },
    async uninstall() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
