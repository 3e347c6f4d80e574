import { open } from 'node:fs/promises';

/**
 * Sets the modification time of every entry of a ZIP file (an XLSX) to one fixed instant, in
 * place. exceljs stamps each entry with the wall clock, part of them while the writer is being
 * constructed, so the bytes of the same workbook would differ between two builds; with the
 * report's scheduled time in every entry header they do not (issue 5: same content twice).
 * Touches only the DOS time/date fields of the local and central headers (APPNOTE 4.3.7, 4.3.12).
 */
const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** MS-DOS time and date of a wall-clock time (seconds are stored halved). */
function dosDateTime(wall: { year: number; month: number; day: number; hour: number; minute: number }): {
  time: number;
  date: number;
} {
  return {
    time: (wall.hour << 11) | (wall.minute << 5),
    date: ((wall.year - 1980) << 9) | (wall.month << 5) | wall.day,
  };
}

export async function fixZipTimestamps(file: string, at: Date): Promise<void> {
  // Shanghai wall time of `at` (UTC+8, no daylight saving since 1991).
  const local = new Date(at.getTime() + 8 * 3_600_000);
  const { time, date } = dosDateTime({
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
  });
  const fh = await open(file, 'r+');
  try {
    const { size } = await fh.stat();
    const tailLength = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLength);
    await fh.read(tail, 0, tailLength, size - tailLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${file}: not a ZIP file (no end of central directory)`);
    const entries = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    const stamp = Buffer.alloc(4);
    stamp.writeUInt16LE(time, 0);
    stamp.writeUInt16LE(date, 2);
    const header = Buffer.alloc(4);
    let p = 0;
    for (let e = 0; e < entries; e++) {
      if (cd.readUInt32LE(p) !== CENTRAL) throw new Error(`${file}: bad central directory entry ${e}`);
      cd.writeUInt16LE(time, p + 12);
      cd.writeUInt16LE(date, p + 14);
      const localOffset = cd.readUInt32LE(p + 42);
      await fh.read(header, 0, 4, localOffset);
      if (header.readUInt32LE(0) !== LOCAL) throw new Error(`${file}: bad local header of entry ${e}`);
      await fh.write(stamp, 0, 4, localOffset + 10);
      p += 46 + cd.readUInt16LE(p + 28) + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
    }
    await fh.write(cd, 0, cdSize, cdOffset);
  } finally {
    await fh.close();
  }
}
