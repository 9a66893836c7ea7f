// The development console: GraphiQL with a persona picker and example operations per persona.
//
// The service serves this bundle itself (gateway/console.py); nothing is fetched from a CDN.
// The catalog (/console/personas.json, development only) holds a fresh token per persona, the
// README's first query and the examples. The persona's token is baked into the fetcher, so the
// schema is introspected with it from the very first request (Docs and autocomplete work at
// once), and picking another persona re-creates the fetcher, which makes GraphiQL introspect
// again. The headers editor shows the same Authorization header, so what is sent is visible.
import './workers.js';
import 'graphiql/style.css';
import './console.css';
import { useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { useGraphiQL } from '@graphiql/react';
import { createGraphiQLFetcher } from '@graphiql/toolkit';

const CATALOG_URL = '/console/personas.json';
const ENDPOINT = '/graphql';

async function loadCatalog() {
  const response = await fetch(CATALOG_URL, {
    headers: { accept: 'application/json' },
    cache: 'no-store',
    credentials: 'same-origin',
  });
  if (!response.ok) throw new Error(`${CATALOG_URL} answered HTTP ${response.status}`);
  return response.json();
}

function authorizationHeaders(persona) {
  return JSON.stringify({ Authorization: `Bearer ${persona.token}` }, null, 2);
}

// Keeps the headers editor in step with the picked persona and tells the page (and the browser
// test) whether the schema for that persona has loaded.
function PersonaSync({ persona }) {
  const headerEditor = useGraphiQL((state) => state.headerEditor);
  const schema = useGraphiQL((state) => state.schema);
  const fetchError = useGraphiQL((state) => state.fetchError);
  const isIntrospecting = useGraphiQL((state) => state.isIntrospecting);

  useEffect(() => {
    if (headerEditor && headerEditor.getValue() !== authorizationHeaders(persona)) {
      headerEditor.setValue(authorizationHeaders(persona));
    }
  }, [headerEditor, persona]);

  let state = 'loading';
  if (fetchError) state = 'error';
  else if (schema && !isIntrospecting) state = 'ready';
  useEffect(() => {
    document.body.dataset.persona = persona.id;
    document.body.dataset.schema = state;
  }, [persona.id, state]);
  return null;
}

function PersonaPicker({ personas, persona, onPick }) {
  return (
    <label className="console-persona" title={persona.facts}>
      <span>Persona</span>
      <select
        id="console-persona"
        value={persona.id}
        onChange={(event) => onPick(event.target.value)}
      >
        {personas.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function ExamplesPanel({ examples, personas, onPick }) {
  const queryEditor = useGraphiQL((state) => state.queryEditor);
  const variableEditor = useGraphiQL((state) => state.variableEditor);
  const open = (example) => {
    onPick(example.persona);
    queryEditor?.setValue(example.query);
    variableEditor?.setValue(example.variables ? JSON.stringify(example.variables, null, 2) : '');
  };
  return (
    <div className="console-examples">
      <div className="graphiql-doc-explorer-title">Examples</div>
      <p>Each example picks its persona, then loads the operation. Press the run button.</p>
      {personas
        .filter((p) => examples.some((e) => e.persona === p.id))
        .map((p) => (
          <section key={p.id} data-persona={p.id}>
            <h3>{p.label}</h3>
            <ul>
              {examples
                .filter((e) => e.persona === p.id)
                .map((e) => (
                  <li key={e.title}>
                    <button type="button" className="console-example" onClick={() => open(e)}>
                      {e.title}
                    </button>
                  </li>
                ))}
            </ul>
          </section>
        ))}
    </div>
  );
}

function ExamplesIcon() {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
      <path d="M4 5h16M4 10h16M4 15h10M4 20h7" strokeLinecap="round" />
    </svg>
  );
}

function Console({ catalog }) {
  const [personas, setPersonas] = useState(catalog.personas);
  const [personaId, setPersonaId] = useState(catalog.personas[0].id);
  const persona = personas.find((p) => p.id === personaId) ?? personas[0];

  // A page left open outlives a token: every pick fetches fresh ones.
  const pick = async (id) => {
    const fresh = await loadCatalog();
    setPersonas(fresh.personas);
    setPersonaId(id);
  };

  const fetcher = useMemo(
    () =>
      createGraphiQLFetcher({
        url: ENDPOINT,
        headers: { Authorization: `Bearer ${persona.token}` },
      }),
    [persona.token],
  );
  const examplesPlugin = useMemo(
    () => ({
      title: 'Examples',
      icon: ExamplesIcon,
      content: () => (
        <ExamplesPanel examples={catalog.examples} personas={catalog.personas} onPick={pick} />
      ),
    }),
    [catalog],
  );

  return (
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={catalog.defaultQuery}
      initialHeaders={authorizationHeaders(persona)}
      defaultEditorToolsVisibility="headers"
      plugins={[examplesPlugin]}
    >
      <GraphiQL.Logo>
        <PersonaPicker personas={personas} persona={persona} onPick={pick} />
      </GraphiQL.Logo>
      <PersonaSync persona={persona} />
    </GraphiQL>
  );
}

function showFailure(error) {
  const root = document.getElementById('root');
  root.textContent = '';
  const message = document.createElement('p');
  message.className = 'console-failure';
  message.textContent = `The console could not start: ${error.message}`;
  root.append(message);
  document.body.dataset.schema = 'error';
}

try {
  const catalog = await loadCatalog();
  createRoot(document.getElementById('root')).render(<Console catalog={catalog} />);
} catch (error) {
  showFailure(error);
}
