fetch('/api/openapi.json').then(r => r.json()).then(doc => {
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags || ['other'])[0];
      (byTag[tag] = byTag[tag] || []).push({ path, method, op });
    }
  }
  const out = document.getElementById('out');
  out.textContent = '';
  for (const [tag, ops] of Object.entries(byTag)) {
    const h = document.createElement('h2'); h.textContent = tag; out.appendChild(h);
    for (const { path, method, op } of ops) {
      const d = document.createElement('details');
      const s = document.createElement('summary');
      s.innerHTML = `<span class="m ${method}">${method}</span> <code></code> `;
      s.querySelector('code').textContent = path;
      s.append(op.summary || '');
      d.appendChild(s);
      const pre = document.createElement('pre');
      pre.textContent = JSON.stringify({ description: op.description, parameters: op.parameters,
        requestBody: op.requestBody, responses: op.responses, security: op.security }, null, 2);
      d.appendChild(pre);
      out.appendChild(d);
    }
  }
  const schemas = document.createElement('details');
  schemas.innerHTML = '<summary>Schemas</summary>';
  const pre = document.createElement('pre');
  pre.textContent = JSON.stringify((doc.components || {}).schemas, null, 2);
  schemas.appendChild(pre);
  out.appendChild(schemas);
});
