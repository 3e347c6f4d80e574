/** Median and MAD: statistics that one extreme day cannot drag (an extract would hide in a mean ± sd). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[], med = median(values)): number {
  return median(values.map((v) => Math.abs(v - med)));
}

/** 1.4826·MAD estimates the standard deviation of normally distributed data. */
export const MAD_SCALE = 1.4826;
