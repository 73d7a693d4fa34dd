// Web chat client for POST /api/chat/messages. Every piece of text is inserted with
// textContent (never innerHTML), so nothing a user or a flow writes can become markup.
(function () {
  'use strict';
  var log = document.getElementById('log');
  var form = document.getElementById('composer');
  var input = document.getElementById('message');

  function randomId(prefix) {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return prefix + Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  function stored(key, prefix) {
    var value = window.localStorage.getItem(key);
    if (!value) { value = randomId(prefix); window.localStorage.setItem(key, value); }
    return value;
  }
  var userId = stored('helpdesk.userId', 'web-user-');
  var conversationId = stored('helpdesk.conversationId', 'web-');

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  // Text with `backticks` becomes text nodes and <code> elements.
  function richText(parent, text) {
    String(text).split('`').forEach(function (part, i) {
      if (part === '') return;
      parent.appendChild(i % 2 === 1 ? el('code', null, part) : document.createTextNode(part));
    });
    return parent;
  }
  function scroll() { log.scrollTop = log.scrollHeight; }

  function renderReply(reply) {
    var box = el('div', 'msg bot ' + reply.kind);
    if (reply.flowId) box.dataset.flowId = reply.flowId;
    if (reply.nodeId) box.dataset.nodeId = reply.nodeId;
    if (reply.kind === 'remediation') {
      var lines = String(reply.text).split('\n');
      box.appendChild(richText(el('h2'), lines[0]));
      box.appendChild(el('div', 'audience ' + reply.audience, reply.audience === 'admin' ? 'For your IT admin' : 'You can do this yourself'));
      if (lines.length > 1) box.appendChild(richText(el('p'), lines.slice(1).join('\n')));
      var list = el('ol');
      (reply.steps || []).forEach(function (step) { list.appendChild(richText(el('li'), step)); });
      box.appendChild(list);
    } else if (reply.kind === 'escalation') {
      richText(box, reply.text);
      box.appendChild(document.createTextNode(' '));
      box.appendChild(el('span', 'ticket', reply.ticketId));
    } else {
      richText(box, reply.text);
    }
    if (reply.kind === 'question') {
      var options = el('div', 'options');
      options.setAttribute('role', 'group');
      (reply.options || []).forEach(function (option) {
        var button = el('button', null, option.label);
        button.type = 'button';
        button.dataset.optionId = option.id;
        button.addEventListener('click', function () {
          // Like a card updated in place: the answered question keeps only the chosen answer highlighted.
          Array.prototype.forEach.call(options.querySelectorAll('button'), function (b) { b.disabled = true; });
          button.classList.add('chosen');
          send({ choice: { nodeId: reply.nodeId, optionId: option.id } }, option.label);
        });
        options.appendChild(button);
      });
      box.appendChild(options);
    }
    log.appendChild(box);
  }

  function send(payload, shownText) {
    if (shownText) log.appendChild(el('div', 'msg user', shownText));
    scroll();
    var body = { conversationId: conversationId, user: { id: userId, name: 'Web user' } };
    Object.keys(payload).forEach(function (k) { body[k] = payload[k]; });
    return fetch('/api/chat/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().then(function (data) {
        if (!res.ok) throw new Error(data && data.error ? data.error.message : 'HTTP ' + res.status);
        data.replies.forEach(renderReply);
        scroll();
      });
    }).catch(function (err) {
      log.appendChild(el('div', 'msg error', 'Could not reach the helpdesk bot (' + err.message + '). Please try again in a moment.'));
      scroll();
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    send({ text: text }, text);
  });
  document.getElementById('restart').addEventListener('click', function () {
    send({ text: 'restart' }, 'Start over');
  });

  // Greets a new visitor, or shows a returning one where the conversation stands.
  send({ text: 'help' }, null);
  input.focus();
})();
