import { AppError } from '../errors';

const ID = /^[0-9a-f]{24}$/;

/** The cursor of a sales page: the last sale's id, opaque to clients. */
export function encodeSalesCursor(idHex: string): string {
  return Buffer.from(idHex, 'hex').toString('base64url');
}

/** The id a cursor stands for; 400 VALIDATION_ERROR unless it is exactly a cursor this server issues. */
export function decodeSalesCursor(cursor: string): string {
  const idHex = Buffer.from(cursor, 'base64url').toString('hex');
  if (!ID.test(idHex) || encodeSalesCursor(idHex) !== cursor) {
    throw new AppError('VALIDATION_ERROR', {
      details: [
        { path: 'cursor', message: '"cursor" was not issued by this server', type: 'cursor.invalid' },
      ],
    });
  }
  return idHex;
}
