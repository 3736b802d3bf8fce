// npm run watch -- --url URL --sale ID [--json]
// Prints every live update of one sale on one line, until Ctrl-C.
import { parseArgs } from 'node:util';
import { watchSale } from './live-watch';

const USAGE = 'Usage: npm run watch -- --url URL --sale ID [--json]';

function main(): void {
  let values: { url?: string; sale?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        sale: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (!values.url || !values.sale) {
    process.stderr.write(`--url and --sale are required\n${USAGE}\n`);
    process.exit(2);
  }
  const watch = watchSale({ url: values.url, saleId: values.sale, json: values.json });
  watch.subscribed.catch(async () => {
    await watch.stop();
    process.exit(1);
  });
  const stop = () => {
    void watch.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
}

main();
