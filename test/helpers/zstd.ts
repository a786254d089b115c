/**
 * A Zstandard frame of raw (stored) blocks, RFC 8878 §3.1: enough to test a zstd reader without a compressor.
 * Frame header: magic, a descriptor with Single_Segment set and a 4-byte Frame_Content_Size, then blocks of at
 * most 128 KiB, each with a 3-byte header (Last_Block, Block_Type 0 = Raw, Block_Size).
 */
export function zstdRawFrame(data: Buffer): Buffer {
  const MAX_BLOCK = 128 * 1024;
  const header = Buffer.alloc(9);
  header.writeUInt32LE(0xfd2fb528, 0);
  header[4] = (2 << 6) | (1 << 5); // FCS_Field_Size 4 bytes, Single_Segment_flag
  header.writeUInt32LE(data.length, 5);
  const parts: Buffer[] = [header];
  for (let at = 0; at < data.length || at === 0; at += MAX_BLOCK) {
    const block = data.subarray(at, at + MAX_BLOCK);
    const last = at + MAX_BLOCK >= data.length ? 1 : 0;
    const h = (block.length << 3) | (0 << 1) | last;
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), block);
    if (data.length === 0) break;
  }
  return Buffer.concat(parts);
}
