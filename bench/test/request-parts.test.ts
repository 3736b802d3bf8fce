import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { frameParts, requestParts } from '../../bench/lib/request-parts';

const APP = 'file:///app/server';
const LIB = 'file:///app/node_modules';

/**
 * A small profile: each entry is a stack (outermost first, as `url functionName`) and the µs its sample took.
 * Samples run in the given order, so the first ones come before any marker.
 */
function profileFile(samples: { stack: string[]; us: number }[]): string {
  const nodes: { id: number; callFrame: { functionName: string; url: string }; children: number[] }[] = [
    { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [] },
  ];
  const ids: number[] = [];
  for (const { stack } of samples) {
    let parent = nodes[0];
    for (const frame of stack) {
      const space = frame.indexOf(' ');
      const url = frame.slice(0, space);
      const functionName = frame.slice(space + 1);
      let node = parent.children
        .map((id) => nodes[id - 1])
        .find((n) => n.callFrame.url === url && n.callFrame.functionName === functionName);
      if (!node) {
        node = { id: nodes.length + 1, callFrame: { functionName, url }, children: [] };
        nodes.push(node);
        parent.children.push(node.id);
      }
      parent = node;
    }
    ids.push(parent.id);
  }
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'parts-')), 'p.cpuprofile');
  // V8's timeDeltas[i] is the time before sample i: the parts read it as sample i's share.
  writeFileSync(file, JSON.stringify({ nodes, samples: ids, timeDeltas: samples.map((s) => s.us) }));
  return file;
}

describe('bench: CPU profile charged to parts', () => {
  it("charges a request's samples to the innermost app part, and the driver to the part that called it", () => {
    const file = profileFile([
      { stack: [`${APP}/index.ts main`], us: 500 }, // start-up, before the first request: left out
      { stack: [`${APP}/purchases/purchases.routes.ts buy`, `${LIB}/jsonwebtoken/verify.js verify`], us: 30 },
      { stack: [`${APP}/purchases/purchases.routes.ts buy`, `${APP}/auth/account-states.ts get`], us: 10 },
      {
        stack: [`${APP}/auth/account-states.ts get`, `${LIB}/mongodb/lib/cursor.js next`, ' writev'],
        us: 20,
      },
      { stack: [`${LIB}/mongodb/lib/cmap/connection.js onData`], us: 15 },
      { stack: [`${LIB}/express/lib/router.js handle`], us: 25 },
      { stack: ['node:_http_server parserOnIncoming'], us: 40 },
      { stack: [' (garbage collector)'], us: 5 },
      { stack: [' (idle)'], us: 1000 },
    ]);
    const { busyUs, parts } = requestParts(file, 'server/purchases/purchases.routes');
    expect(busyUs).to.equal(30 + 10 + 20 + 15 + 25 + 40 + 5);
    expect(Object.fromEntries(parts)).to.deep.equal({
      'authentication (JWT verify)': 30,
      'account states': 30,
      'MongoDB driver (replies, pool)': 15,
      'Express routing + response': 25,
      'Node HTTP, sockets, event loop': 40,
      'garbage collector': 5,
    });
  });

  it("charges a push's samples to the library doing the work, between the first broadcast and the last", () => {
    const emit = `${LIB}/socket.io/dist/broadcast-operator.js emit`;
    const file = profileFile([
      { stack: [`${LIB}/socket.io/dist/socket.js join`], us: 300 }, // subscribing, before the pushes
      { stack: [emit, `${LIB}/engine.io/build/socket.js sendPacket`], us: 4 },
      { stack: [emit, `${LIB}/ws/lib/sender.js sendFrame`, 'node:net _writeGeneric', ' writev'], us: 9 },
      { stack: [emit, `${LIB}/ws/lib/sender.js sendFrame`, 'node:net _writeGeneric'], us: 3 },
      { stack: [`${APP}/purchases/purchases.routes.ts buy`, ' writev'], us: 7 },
      { stack: [`${LIB}/mongodb/lib/change_stream.js next`, `${APP}/live/live-sales.ts applyChange`], us: 6 },
      { stack: ['node:events emit'], us: 2 },
      { stack: [emit, `${LIB}/socket.io-adapter/dist/in-memory-adapter.js apply`], us: 1 },
      { stack: [`${LIB}/socket.io/dist/socket.js disconnect`], us: 200 }, // closing, after the last push
    ]);
    const { busyUs, parts } = frameParts(file, 'socket.io/dist/broadcast-operator');
    expect(busyUs).to.equal(4 + 9 + 3 + 7 + 6 + 2 + 1);
    expect(Object.fromEntries(parts)).to.deep.equal({
      'engine.io (per-socket packets and buffers)': 4,
      'socket writes (the writev system call: TCP on loopback)': 9,
      'Node streams and net (JS)': 3,
      'the purchase requests themselves (HTTP, middleware, ledger)': 7,
      'MongoDB driver replies, change events, server/live': 6,
      'events, ticks, timers, other': 2,
      'socket.io (room, broadcast, encoding)': 1,
    });
  });
});
