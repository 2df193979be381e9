// Shows bytes the way a person needs to see them, in a test failure or a proxy trace: as
// a quoted string in which \n, \r, control bytes and every non-ASCII byte are visible
// (\xNN), and long data shortened in the middle with its true length.
const LIMIT = 160;

/** Byte-exact: printable ASCII as is, \n \r \t \\ \" escaped, every other byte as \xNN. */
export function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte === 0x09) out += '\\t';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte === 0x22) out += '\\"';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export function show(data: Buffer | Uint8Array | string): string {
  const bytes =
    typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const size = `${bytes.length} byte${bytes.length === 1 ? '' : 's'}`;
  if (bytes.length === 0) return '"" (0 bytes)';
  if (bytes.length <= LIMIT) return `"${escapeBytes(bytes)}" (${size})`;
  const head = escapeBytes(bytes.subarray(0, 100));
  const tail = escapeBytes(bytes.subarray(bytes.length - 40));
  return `"${head}" … "${tail}" (${size})`;
}

/** The first place two byte strings differ, for "how it differs" lines. */
export function firstDifference(got: Buffer, want: Buffer): string {
  const n = Math.min(got.length, want.length);
  let i = 0;
  while (i < n && got[i] === want[i]) i++;
  if (i === n && got.length === want.length) return 'they are identical';
  if (i === n)
    return got.length < want.length
      ? `yours stops after ${got.length} of ${want.length} bytes`
      : `yours has ${got.length - want.length} extra bytes at the end`;
  return `they differ from byte ${i} on: expected ${show(want.subarray(i, i + 20))}, got ${show(got.subarray(i, i + 20))}`;
}
