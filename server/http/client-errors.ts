import type { Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError, type ErrorCode } from '../errors';

/** What Node's HTTP parser reports, and the contract's answer to it. */
const ANSWERS: Record<string, { status: number; reason: string; code: ErrorCode }> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'Request Header Fields Too Large', code: 'HEADERS_TOO_LARGE' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, reason: 'Payload Too Large', code: 'PAYLOAD_TOO_LARGE' },
};
/** Anything else the parser refuses is a malformed request. */
const MALFORMED = { status: 400, reason: 'Bad Request', code: 'VALIDATION_ERROR' as const };

function writeAnswer(socket: Duplex, status: number, reason: string, code: ErrorCode): void {
  const body = JSON.stringify(new AppError(code).toBody());
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/**
 * Requests Node's parser refuses before Express sees them (headers over the limit, malformed HTTP) get the
 * contract's JSON error body instead of Node's empty one. A listener on `clientError` replaces Node's default
 * answer, so this one also does what that default does otherwise: a request timeout stays Node's 408, and a
 * socket that is already gone or has started an answer is only closed.
 */
export function answerClientErrors(http: HttpServer): void {
  http.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // As Node's default: never write into an answer that has already started on this socket.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
      return;
    }
    const answer = ANSWERS[error.code ?? ''] ?? MALFORMED;
    writeAnswer(socket, answer.status, answer.reason, answer.code);
  });
}
