import WebSocket from '/tmp/rv/node_modules/ws/index.js';
const ws = new WebSocket(process.argv[2]); let frames = 0; const texts = [];
ws.on('message', (d, b) => { if (b) frames++; else texts.push(String(d).slice(0, 120)); });
ws.on('close', (c, r) => { console.log('closed', c, String(r)); });
setTimeout(() => { console.log({ frames, texts }); process.exit(0); }, Number(process.argv[3] ?? 15000));
