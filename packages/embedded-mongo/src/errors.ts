/**
 * A MongoDB server error as it goes on the wire: `{ok: 0, errmsg, code, codeName, errorLabels?}`.
 * Every layer of the embedded server throws this; the wire layer turns it into the reply.
 */
export class MongoError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly errorLabels: string[] = [],
    /** Extra reply fields, e.g. keyPattern/keyValue for a duplicate key. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toReply(): Record<string, unknown> {
    const reply: Record<string, unknown> = {
      ok: 0,
      errmsg: this.message,
      code: this.code,
      codeName: this.codeName,
      ...this.extra,
    };
    if (this.errorLabels.length > 0) reply.errorLabels = this.errorLabels;
    return reply;
  }
}

/** Codes MongoDB uses, by name, so nothing else in the embedded server spells a number. */
export const Codes = {
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  InvalidLength: 16,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  MaxTimeMSExpired: 50,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  WriteConflict: 112,
  CommandNotSupported: 115,
  ExceededMemoryLimit: 146,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  TransactionTooLarge: 257,
  ChangeStreamHistoryLost: 286,
  Location40324: 40324,
  DocumentValidationFailure: 121,
  DuplicateKey: 11000,
  NotWritablePrimary: 10107,
  Interrupted: 11601,
  // Used by the protocol side (sessions, transactions, cursors, change streams).
  InternalError: 1,
  Unauthorized: 13,
  UnknownReplWriteConcern: 79,
  UnsatisfiableWriteConcern: 100,
  NoMatchingDocument: 47,
  ConflictingOperationInProgress: 117,
  BSONObjectTooLarge: 10334,
  TransactionTooOld: 225,
  InvalidResumeToken: 260,
  OperationNotSupportedInTransaction: 263,
  ChangeStreamFatalError: 280,
  UnsupportedOpQueryCommand: 352,
  Location40415: 40415,
  Location40674: 40674,
} as const;

export type CodeName = keyof typeof Codes;

/** Shorthand: `mongoError('BadValue', 'msg')`. */
export function mongoError(name: CodeName, message: string, labels: string[] = []): MongoError {
  return new MongoError(Codes[name], name, message, labels);
}
