import type { Doc } from '../engine/types';

const NUMERIC = /^\d+$/;

/**
 * `updateDescription.disambiguatedPaths` (showExpandedEvents): for each changed path with a numeric segment,
 * the path as an array of segments, where an array index is an integer and a field name a string. Which one a
 * segment is comes from walking the document after the update.
 */
export function disambiguatedPaths(description: Doc, postImage: Doc | undefined): Doc {
  const out: Doc = {};
  const paths: string[] = [
    ...Object.keys(description.updatedFields ?? {}),
    ...(description.removedFields ?? []),
    ...(description.truncatedArrays ?? []).map((t: Doc) => t.field),
  ];
  for (const path of paths) {
    const segments = path.split('.');
    if (!segments.some((s) => NUMERIC.test(s))) continue;
    let node: unknown = postImage;
    out[path] = segments.map((segment) => {
      const isIndex = Array.isArray(node) && NUMERIC.test(segment);
      node = node !== null && typeof node === 'object' ? (node as Doc)[segment] : undefined;
      return isIndex ? Number(segment) : segment;
    });
  }
  return out;
}
