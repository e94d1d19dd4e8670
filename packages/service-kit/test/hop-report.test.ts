import { describe, expect, it } from 'vitest';
import { carriesB3Debug, receivedFormats } from '../src/hop-report.ts';

describe('receivedFormats and carriesB3Debug', () => {
  it('lists the formats that arrived, valid or not, and reads B3 debug by its own rules', () => {
    expect(receivedFormats({ 'x-b3-traceid': 'x', b3: 'y', traceparent: 'z' })).toEqual([
      'b3multi',
      'b3',
      'traceparent',
    ]);
    expect(receivedFormats({})).toEqual([]);
    expect(carriesB3Debug({ 'x-b3-flags': '1' })).toBe(true);
    expect(carriesB3Debug({ b3: '463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-d' })).toBe(true);
    expect(carriesB3Debug({ b3: 'd' })).toBe(true);
    // The first value wins, and a malformed b3 carries nothing.
    expect(carriesB3Debug({ 'x-b3-flags': '0, 1' })).toBe(false);
    expect(carriesB3Debug({ b3: 'a-b-d' })).toBe(false);
    expect(carriesB3Debug({})).toBe(false);
  });
});
