import { createServer } from 'node:http';
import { verifyWebhookSignature } from 'rotguard';

const secret = process.env.ROTGUARD_WEBHOOK_SECRET; // printed once by "rotguard webhooks add"
const seen = new Set(); // at least once: drop repeats by event id (use a table in production)
createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const raw = Buffer.concat(chunks);
  if (!verifyWebhookSignature(secret, raw, req.headers['x-rotguard-signature'])) return res.writeHead(401).end();
  const event = JSON.parse(raw.toString('utf8'));
  if (!seen.has(event.id)) seen.add(event.id) && console.log(event.seq, event.kind, event.subject, event.reason);
  res.writeHead(204).end();
}).listen(Number(process.env.PORT ?? 8787));
