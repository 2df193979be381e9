// Shows bytes the way a student needs to see them in a failure: as a quoted string with
// \n, \r, control bytes and invalid UTF-8 made visible, and long data shortened in the
// middle with its true length.
const LIMIT = 160;

function escapeText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\\"\ufffd]/g, (ch) => {
    switch (ch) {
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      case '\\': return '\\\\';
      case '"': return '\\"';
      case '\ufffd': return '\\ufffd';
      default: return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
}

export function show(data: Buffer | Uint8Array | string): string {
  const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const size = `${bytes.length} byte${bytes.length === 1 ? '' : 's'}`;
  if (bytes.length === 0) return '"" (0 bytes)';
  if (bytes.length <= LIMIT) return `"${escapeText(bytes.toString('utf8'))}" (${size})`;
  const head = escapeText(bytes.subarray(0, 100).toString('utf8'));
  const tail = escapeText(bytes.subarray(bytes.length - 40).toString('utf8'));
  return `"${head}" … "${tail}" (${size})`;
}

/** The first place two byte strings differ, for "how it differs" lines. */
export function firstDifference(got: Buffer, want: Buffer): string {
  const n = Math.min(got.length, want.length);
  let i = 0;
  while (i < n && got[i] === want[i]) i++;
  if (i === n && got.length === want.length) return 'they are identical';
  if (i === n) return got.length < want.length ? `yours stops after ${got.length} of ${want.length} bytes` : `yours has ${got.length - want.length} extra bytes at the end`;
  return `they differ from byte ${i} on: expected ${show(want.subarray(i, i + 20))}, got ${show(got.subarray(i, i + 20))}`;
}
