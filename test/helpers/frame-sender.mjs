// frame-sender — sends raw tbnet frames to HOST:PORT and prints what came back, for tests that
// need another source address (run inside a network namespace by test/helpers/netns.ts).
//
//   node frame-sender.mjs HOST PORT < requests.json      requests: [{ "frame": base64 }, …]
//   stdout: one JSON array, one entry per request, in order:
//     { "pcode": n, "body": base64 }   the reply with the request's channel id
//     { "closed": true }               the server closed the connection (the next request reconnects)
//     { "timeout": true }              no reply within 3 s
//
// Plain JavaScript, no imports from the project: it runs before or without a build.
import { connect } from 'node:net';

const [host, portText] = process.argv.slice(2);
const requests = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk) => (text += chunk));
  process.stdin.on('end', () => resolve(text));
}));

let socket = null;
let buffered = Buffer.alloc(0);
let waiter = null;

function open() {
  return new Promise((resolve) => {
    const next = connect({ host, port: Number(portText) });
    next.on('connect', () => resolve(next));
    next.on('error', () => resolve(null));
    next.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 16 && buffered.length >= 16 + buffered.readInt32BE(12)) {
        const length = buffered.readInt32BE(12);
        const frame = { channelId: buffered.readUInt32BE(4), pcode: buffered.readInt32BE(8), body: buffered.subarray(16, 16 + length) };
        buffered = buffered.subarray(16 + length);
        waiter?.frame(frame);
      }
    });
    next.on('close', () => {
      if (socket === next) socket = null;
      waiter?.closed();
    });
  });
}

const results = [];
for (const request of requests) {
  const frame = Buffer.from(request.frame, 'base64');
  if (!socket) {
    buffered = Buffer.alloc(0);
    socket = await open();
  }
  if (!socket) {
    results.push({ closed: true });
    continue;
  }
  const channelId = frame.readUInt32BE(4);
  results.push(await new Promise((resolve) => {
    const timer = setTimeout(() => finish({ timeout: true }), 3000);
    function finish(result) {
      clearTimeout(timer);
      waiter = null;
      resolve(result);
    }
    waiter = {
      frame: (reply) => reply.channelId === channelId && finish({ pcode: reply.pcode, body: reply.body.toString('base64') }),
      closed: () => finish({ closed: true }),
    };
    socket.write(frame);
  }));
}
socket?.destroy();
process.stdout.write(`${JSON.stringify(results)}\n`);
