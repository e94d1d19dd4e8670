export {
  REPO_ROOT,
  runToExit,
  type ServiceName,
  type ServiceProcess,
  type StartServiceOptions,
  startService,
} from './service-process.ts';
export {
  startZipkinReceiver,
  ZIPKIN_SPANS_PATH,
  type ZipkinReceiver,
  type ZipkinReceiverOptions,
} from './zipkin-receiver.ts';
export { isZipkinSpan, serviceOf, type ZipkinSpan } from './zipkin-span.ts';
