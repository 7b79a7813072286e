// signin.js: the sign-in page. The key is checked with GET /api/v0/me, which also says what
// it may do; only a key the API accepts is kept.
import { el } from './dom.js';
import { signIn } from './session.js';
import { clearMessages, guard, setCrumbs, showError } from './ui.js';

export async function signinPage(page) {
  setCrumbs([['Sign in']]);
  const input = el('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true,
    placeholder: 'ck_….cs_…', spellcheck: 'false' });
  const submit = el('button', { type: 'submit', class: 'btn-primary', id: 'signin' }, 'Sign in');
  const form = el('form', { class: 'card signin', id: 'signin-form' },
    el('h1', {}, 'Sign in to hookd'),
    el('p', {}, 'Paste an API key token (the "token" that ',
      el('code', {}, 'hookd keys create'), ' or the bootstrap admin key prints). It needs the ',
      el('code', {}, 'webhook:read'), ' scope; actions need ', el('code', {}, 'webhook:write'),
      ' and, to rotate a secret, ', el('code', {}, 'webhook:secret'), '.'),
    el('p', { class: 'muted' }, 'The key is kept in this browser tab only, until you sign out or close it.'),
    el('label', { for: 'token' }, 'API key token'), input, submit);
  form.addEventListener('submit', guard(submit, async () => {
    clearMessages();
    const t = input.value.trim();
    try {
      await signIn(t);
    } catch (e) {
      showError(`Sign-in failed: ${e.message}`);
      return;
    }
    location.hash = '#/webhooks';
  }));
  page.append(form);
  input.focus();
}
