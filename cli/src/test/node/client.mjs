// A cmdop client in another language, built only from the project's .proto files: it signs in to a
// relay with an API key, pins the relay's certificate by its fingerprint, lists the fleet's machines,
// attaches to a session as an observer until some text appears, and runs an exec.
// Usage: node client.mjs PROTO_DIR RELAY_HOST:PORT FINGERPRINT API_KEY MACHINE SESSION TEXT
// Prints one JSON object per line: {"machines": [...]}, {"attached": ...}, {"seen": ...}, {"exec": ...}.
import crypto from 'node:crypto';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const [protoDir, address, fingerprint, apiKey, machine, session, text] = process.argv.slice(2);

const definition = protoLoader.loadSync(['cmdop/v1/session.proto', 'cmdop/v1/link.proto'], {
  includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const v1 = grpc.loadPackageDefinition(definition).cmdop.v1;

// The relay's certificate is self-signed: it is trusted by its pinned fingerprint alone, as the CLI does.
const pinned = grpc.credentials.createSsl(null, null, null, {
  rejectUnauthorized: false,
  checkServerIdentity: (host, cert) => {
    const actual = 'SHA256:' + crypto.createHash('sha256').update(cert.raw).digest('base64').replace(/=+$/, '');
    return actual === fingerprint ? undefined : new Error(`certificate changed: ${actual}, pinned ${fingerprint}`);
  },
});
const bearer = grpc.credentials.createFromMetadataGenerator((params, callback) => {
  const metadata = new grpc.Metadata();
  metadata.add('authorization', `Bearer ${apiKey}`);
  callback(null, metadata);
});
const credentials = grpc.credentials.combineChannelCredentials(pinned, bearer);
const fleet = new v1.Fleet(address, credentials);
const sessions = new v1.Sessions(address, credentials);
const client = { kind: 'CLIENT_KIND_SDK', description: 'node test client' };
const print = (o) => console.log(JSON.stringify(o));
const fail = (what) => (error) => {
  print({ error: what, message: error.message });
  process.exit(1);
};

function listMachines() {
  return new Promise((resolve, reject) => fleet.ListMachines({}, (error, response) => error ? reject(error)
      : resolve(response.machines.map((m) => ({ name: m.name, online: m.online })))));
}

function watchUntil(wanted) {
  return new Promise((resolve, reject) => {
    const call = sessions.Attach();
    let seen = '';
    call.on('data', (frame) => {
      if (frame.body === 'attached') {
        print({ attached: { session: frame.attached.session.name, mode: frame.attached.mode } });
      } else if (frame.body === 'error') {
        reject(new Error(`${frame.error.reason}: ${frame.error.message}`));
      } else if (frame.body === 'event' && frame.event.kind === 'output') {
        seen += Buffer.from(frame.event.output.data).toString('utf8');
        if (seen.includes(wanted)) {
          call.write({ request_id: 0, detach: {} });
          call.end();
          resolve(seen);
        }
      }
    });
    call.on('error', reject);
    call.write({ request_id: 1, attach: { session: { machine, session }, mode: 'MODE_OBSERVER', client } });
  });
}

function exec(command) {
  return new Promise((resolve, reject) => {
    const call = sessions.Exec({ command, timeout_ms: 30000, client, machine });
    let output = '';
    call.on('data', (update) => {
      if (update.update === 'output') {
        output += Buffer.from(update.output).toString('utf8');
      } else if (update.update === 'finished') {
        resolve({ exit_code: update.finished.exit_code, output: output.replace(/\r\n/g, '\n') });
      }
    });
    call.on('error', reject);
  });
}

print({ machines: await listMachines().catch(fail('ListMachines')) });
print({ seen: await watchUntil(text).catch(fail('Attach')) });
print({ exec: await exec('echo from-node-$((20+22)); exit 3').catch(fail('Exec')) });
process.exit(0);
