import { expect } from 'chai';
import { MongoNetworkError } from 'mongodb';
import { toAppError } from '../../server/http/error-handler';

/** Errors seen while the database was dropping connections, and the answer each must become. */
describe('error mapping of database faults', () => {
  function socketError(code: string, syscall: string): NodeJS.ErrnoException {
    return Object.assign(new Error(`${syscall} ${code}`), { code, syscall });
  }

  it('maps a raw socket error the driver let through (write ECONNRESET while draining) to 503', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'ECONNREFUSED']) {
      expect(toAppError(socketError(code, 'write')).code).to.equal('SERVICE_UNAVAILABLE');
    }
  });

  it('maps a driver network error, and one wrapping a socket error, to 503', () => {
    expect(toAppError(new MongoNetworkError('connection closed')).code).to.equal('SERVICE_UNAVAILABLE');
    const wrapped = new Error('failed', { cause: socketError('ECONNRESET', 'read') });
    expect(toAppError(wrapped).code).to.equal('SERVICE_UNAVAILABLE');
  });

  it('keeps other errors internal (500)', () => {
    expect(toAppError(new Error('boom')).code).to.equal('INTERNAL_ERROR');
    expect(toAppError(Object.assign(new Error('x'), { code: 'ECONNRESET' })).code).to.equal('INTERNAL_ERROR');
  });
});

describe('error mapping of undecodable paths', () => {
  it('answers a path parameter that cannot be percent-decoded with 404, not 500', () => {
    const error = Object.assign(new URIError("Failed to decode param '%'"), { status: 400, statusCode: 400 });
    expect(toAppError(error).code).to.equal('NOT_FOUND');
  });
});
