/**
 * CRC32 (ISO-HDLC, zlib's and S3's `x-amz-checksum-crc32`) of a concatenation from the CRC32s of
 * its pieces: `crc32Combine(crc32(a), crc32(b), b.length) === crc32(a ‖ b)`. What lets a download
 * hash each byte range as it arrives, in any order across ranges, with `zlib.crc32` (native), and
 * join the ranges afterwards, instead of reading the assembled file back to hash it in order.
 * Node exposes zlib's crc32 but not its crc32_combine, so this is zlib's (crc32.c, 1.2.12 and
 * later: multmodp and x2nmodp): appending `length` bytes multiplies the first CRC by x^(8·length)
 * modulo the CRC polynomial, in the bit-reflected representation. O(log length) per call.
 */

/** The CRC32 polynomial, reflected (zlib's POLY). */
const POLY = 0xedb88320;
/** x^0 in the reflected representation. */
const X0 = 0x80000000;

/** a·b modulo POLY, reflected (zlib's multmodp). */
function multiplyModP(a: number, b: number): number {
  let m = X0;
  let product = 0;
  for (;;) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/** X2N[k] = x^(2^k) modulo POLY, reflected (zlib's x2n_table). */
const X2N: readonly number[] = (() => {
  const table = [1 << 30]; // x^1
  for (let k = 1; k < 32; k++) table.push(multiplyModP(table[k - 1]!, table[k - 1]!));
  return table;
})();

/** x^(n·2^k) modulo POLY (zlib's x2nmodp). */
function xPowerModP(n: number, k: number): number {
  let p = X0;
  while (n > 0) {
    if (n % 2 === 1) p = multiplyModP(X2N[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/**
 * The CRC32 of `a ‖ b` from `crcA = crc32(a)`, `crcB = crc32(b)` and `lengthB` = b's length in
 * bytes (any safe integer ≥ 0; 0 gives crcA). CRCs are unsigned 32-bit numbers, as `zlib.crc32`
 * returns them.
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multiplyModP(xPowerModP(lengthB, 3), crcA) ^ crcB) >>> 0;
}
