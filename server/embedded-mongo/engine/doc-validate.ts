/**
 * What a document must satisfy to be stored: a valid `_id`, no `$`-prefixed top-level field, at most 16 MB.
 */
import { MongoError, mongoError } from '../errors';
import { bsonTag } from './bson-types';
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
  for (const k in doc)
    if (k.charCodeAt(0) === 36 /* $ */)
      throw mongoError('BadValue', `Document can't have $ prefixed field names: ${k}`);
  const size = bsonSize(doc);
  if (size > MAX_DOC_BYTES)
    throw new MongoError(
      10334,
      'BSONObjectTooLarge',
      `object to insert too large. size in bytes: ${size}, max size: ${MAX_DOC_BYTES}`,
    );
  return size;
}
