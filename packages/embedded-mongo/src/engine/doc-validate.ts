/**
 * What a document must satisfy to be stored: a valid `_id` (no `$`-prefixed field inside it), at most 16 MB.
 * Since MongoDB 5.0, `$`-prefixed and dotted field names are otherwise allowed in stored documents (inserts,
 * replacements and pipeline updates may write them; operator updates cannot address them).
 */
import { Codes, MongoError } from '../errors';
import { bsonTag, isPlainObject } from './bson-types';
import { bsonSize } from './bson-size';
import type { Doc } from './types';

/** MongoDB's maximum user document size. */
export const MAX_DOC_BYTES = 16 * 1024 * 1024;

/** Validates a document for storage and returns its BSON size. */
export function validateForStorage(doc: Doc): number {
  const id = doc._id;
  if (id === undefined) throw new MongoError(53, 'InvalidIdField', 'document to store has no _id');
  if (Array.isArray(id))
    throw new MongoError(53, 'InvalidIdField', "The '_id' value cannot be of type array");
  if (id instanceof RegExp || bsonTag(id) === 'BSONRegExp')
    throw new MongoError(53, 'InvalidIdField', "can't use a regex for _id");
  if (isPlainObject(id)) checkIdFields(id);
  const size = bsonSize(doc);
  if (size > MAX_DOC_BYTES)
    throw new MongoError(
      10334,
      'BSONObjectTooLarge',
      `object to insert too large. size in bytes: ${size}, max size: ${MAX_DOC_BYTES}`,
    );
  return size;
}

/** `_id` sub-documents may not have `$`-prefixed fields, at any depth (MongoDB's storage validation). */
function checkIdFields(v: Doc): void {
  for (const k in v) {
    if (k.charCodeAt(0) === 36 /* $ */)
      throw new MongoError(
        Codes.DollarPrefixedFieldName,
        'DollarPrefixedFieldName',
        `_id fields may not contain '$'-prefixed fields: ${k} is not valid for storage.`,
      );
    if (isPlainObject(v[k])) checkIdFields(v[k]);
  }
}
