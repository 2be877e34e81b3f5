// Values shared by the global setup, the fixtures and the specs.

export const ADMIN_PASSWORD = 'e2e-admin-password';

/** LLAVERO_SCOPES of the test server: the portal API's scope catalogue. */
export const SCOPES = [
  { name: 'compute:read', description: { es: 'Ver máquinas y discos', en: 'See machines and disks' } },
  { name: 'compute:write', description: { es: 'Crear y cambiar máquinas', en: 'Create and change machines' } },
  { name: 'dns:edit', description: { es: 'Cambiar registros DNS', en: 'Change DNS records' } },
];

/** LLAVERO_API_ENDPOINT of the test server: the portal API behind its gateway. */
/** The identity provider's name on the sign-in button. */
export const IDP_NAME = 'Portal TIGO';

export const API_ENDPOINT = 'https://api.portal.example/v1';

/** The server's address, set by the global setup before any test runs. */
export function base(): string {
  const url = process.env.LLAVERO_E2E_BASE;
  if (!url) throw new Error('LLAVERO_E2E_BASE is unset: the global setup did not start the server');
  return url;
}
