/** True for a MongoDB duplicate-key error (E11000), from the driver or mongoose. */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
