// npm run watch -- --url URL --sale ID [--json]
// Prints every live update of one sale on one line, until Ctrl-C.
import { httpUrl, readCommandLine } from '@flash-sale/crowd';
import { watchSale } from './live-watch';

const options = readCommandLine({
  name: 'watch',
  summary: 'Subscribes to a sale over Socket.IO and prints each sale:update on one line, until Ctrl-C.',
  options: {
    url: { kind: 'text', placeholder: 'URL', help: 'the server, e.g. http://localhost:3000', check: httpUrl },
    sale: { kind: 'text', placeholder: 'ID', help: 'the sale id' },
    json: { kind: 'flag', help: 'raw JSON lines instead of readable ones' },
  },
});

const watch = watchSale({ url: options.url, saleId: options.sale, json: options.json });
watch.subscribed.catch(async () => {
  await watch.stop();
  process.exit(1);
});
const stop = () => {
  void watch.stop().then(() => process.exit(0));
};
process.once('SIGINT', stop).once('SIGTERM', stop);
