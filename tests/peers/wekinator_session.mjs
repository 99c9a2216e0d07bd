// A Wekinator-style node program with node-osc: records y1 = x1, y2 = 1 - x1 over a sweep
// (node-osc sends whole numbers as OSC ints and the rest as floats: oscnet must take both),
// trains, waits for /wekinator/status/done-training, runs, and prints each /wek/outputs
// as "OUTPUTS x1 y1 y2".  Run: node wekinator_session.mjs SEND_PORT RECEIVE_PORT
import { Client, Server } from 'node-osc';

const [sendPort, receivePort] = process.argv.slice(2).map(Number);
const client = new Client('127.0.0.1', sendPort);
const server = new Server(receivePort, '127.0.0.1');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const waiting = [];
server.on('message', (msg) => {
  const [address, ...args] = msg;
  if (waiting.length && waiting[0].address === address) waiting.shift().resolve(args);
});
const next = (address) => new Promise((resolve, reject) => {
  waiting.push({ address, resolve });
  setTimeout(() => reject(new Error(`no ${address} within 30 s`)), 30000).unref();
});

await new Promise((resolve) => server.on('listening', resolve));
const control = (name, ...args) => client.send(`/wekinator/control/${name}`, ...args);
await control('deleteAllExamples');
await control('startRecording');
for (let i = 0; i <= 20; i++) {
  const x = i / 20;
  await control('outputs', x, 1 - x);
  await sleep(2);
  for (let k = 0; k < 5; k++) await client.send('/wek/inputs', x, 0.5);
}
await control('stopRecording');
const trained = next('/wekinator/status/done-training');
await control('train');
await trained;
console.log('TRAINED');
await control('startRunning');
for (const x of [0.1, 0.3, 0.5, 0.7, 0.9]) {
  const reply = next('/wek/outputs');
  await client.send('/wek/inputs', x, 0.5);
  const [y1, y2] = await reply;
  console.log('OUTPUTS', x, y1, y2);
}
await control('stopRunning');
await client.close();
server.close();
