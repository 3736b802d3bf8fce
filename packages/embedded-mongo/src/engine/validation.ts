/**
 * Collection validators (`create` / `collMod` `validator`, `validationLevel`, `validationAction`): a query
 * filter every inserted or updated document must match, else the write fails with DocumentValidationFailure
 * (121) and an `errInfo` naming the document, as MongoDB reports it.
 */
import { Codes, MongoError, mongoError } from '../errors';
import { isPlainObject } from './bson-types';
import type { Collection } from './collection';
import { compileFilter } from './matcher';
import type { Doc } from './types';

const LEVELS = new Set(['off', 'strict', 'moderate']);
const ACTIONS = new Set(['error', 'warn']);

/** Checks validator options as create and collMod receive them (the validator must compile). */
export function checkValidatorOptions(options: Doc): void {
  if (options.validator !== undefined) {
    if (!isPlainObject(options.validator))
      throw mongoError('TypeMismatch', "BSON field 'validator' is the wrong type, expected object");
    if ('$jsonSchema' in options.validator)
      throw mongoError(
        'CommandNotSupported',
        '$jsonSchema validators are not supported by the embedded server',
      );
    compileFilter(options.validator);
  }
  if (options.validationLevel !== undefined && !LEVELS.has(options.validationLevel))
    throw mongoError(
      'BadValue',
      `Enumeration value '${options.validationLevel}' for field 'validationLevel' is not a valid value.`,
    );
  if (options.validationAction !== undefined && !ACTIONS.has(options.validationAction))
    throw mongoError(
      'BadValue',
      `Enumeration value '${options.validationAction}' for field 'validationAction' is not a valid value.`,
    );
}

/**
 * Throws DocumentValidationFailure when `doc` fails the collection's validator. `old` is the version an update
 * replaces: under `validationLevel: "moderate"`, documents that already failed may go on failing.
 */
export function validateDocument(coll: Collection, doc: Doc, old?: Doc): void {
  const { validator, validationLevel, validationAction } = coll.options;
  if (!isPlainObject(validator) || validationLevel === 'off' || validationAction === 'warn') return;
  const m = compileFilter(validator);
  if (m.test(doc)) return;
  if (validationLevel === 'moderate' && old && !m.test(old)) return;
  throw new MongoError(
    Codes.DocumentValidationFailure,
    'DocumentValidationFailure',
    'Document failed validation',
    [],
    {
      errInfo: {
        failingDocumentId: doc._id,
        details: {
          operatorName: '$and',
          specifiedAs: validator,
          reason: 'the document does not match the validator',
        },
      },
    },
  );
}
