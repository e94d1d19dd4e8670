export {
  startZipkinReceiver,
  ZIPKIN_SPANS_PATH,
  type ZipkinReceiver,
  type ZipkinReceiverOptions,
} from './zipkin-receiver.ts';
export { isZipkinSpan, serviceOf, type ZipkinSpan } from './zipkin-span.ts';
