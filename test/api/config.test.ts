import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../server/config';

describe('loadConfig', () => {
  describe('with an empty environment', () => {
    it('gives the contract defaults, a generated key, and a frozen result', () => {
      const config = loadConfig({});
      expect(config).to.deep.include({
        nodeEnv: 'development',
        port: 3000,
        mongodbUri: null,
        admin: null,
        logLevel: 'info',
        authRateLimit: 30,
        purchaseRateLimit: 5,
        socketConnectionsPerIp: 50,
        demo: true,
        trustProxy: false,
      });
      expect(config.jwt.expiresInSeconds).to.equal(3600);
      expect(config.jwt.generated).to.equal(true);
      expect(config.jwt.key.type).to.equal('secret');
      expect(Object.isFrozen(config)).to.equal(true);
      expect(Object.isFrozen(config.jwt)).to.equal(true);
    });
  });

  describe('with values', () => {
    it('parses every variable', () => {
      const config = loadConfig({
        PORT: '0',
        MONGODB_URI: 'mongodb://db:27017/shop?replicaSet=rs0',
        JWT_SECRET: 'x'.repeat(32),
        JWT_EXPIRES_IN: '15m',
        ADMIN_EMAIL: 'Admin@Example.com',
        ADMIN_PASSWORD: 'password1',
        LOG_LEVEL: 'debug',
        AUTH_RATE_LIMIT: '10',
        PURCHASE_RATE_LIMIT: '2',
        SOCKET_CONNECTIONS_PER_IP: '7',
        NODE_ENV: 'production',
        TRUST_PROXY: '1',
      });
      expect(config).to.deep.include({
        port: 0,
        mongodbUri: 'mongodb://db:27017/shop?replicaSet=rs0',
        admin: { email: 'admin@example.com', password: 'password1' },
        logLevel: 'debug',
        authRateLimit: 10,
        purchaseRateLimit: 2,
        socketConnectionsPerIp: 7,
        demo: false,
        nodeEnv: 'production',
        trustProxy: 1,
      });
      expect(config.jwt).to.include({ expiresInSeconds: 900, generated: false });
    });

    it('lets DEMO override its default', () => {
      expect(loadConfig({ DEMO: 'false' }).demo).to.equal(false);
      expect(loadConfig({ MONGODB_URI: 'mongodb://x', DEMO: 'true' }).demo).to.equal(true);
    });
  });

  describe('with wrong values', () => {
    it('names every wrong variable in one line', () => {
      let error: unknown;
      try {
        loadConfig({
          PORT: 'eighty',
          NODE_ENV: 'production',
          JWT_EXPIRES_IN: 'soon',
          ADMIN_EMAIL: 'a@b.co',
          DEMO: 'yes',
          PURCHASE_RATE_LIMIT: '0',
          SOCKET_CONNECTIONS_PER_IP: '0',
        });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).not.to.include('\n');
      for (const name of [
        'PORT',
        'JWT_SECRET',
        'MONGODB_URI',
        'JWT_EXPIRES_IN',
        'ADMIN_PASSWORD',
        'DEMO',
        'PURCHASE_RATE_LIMIT',
        'SOCKET_CONNECTIONS_PER_IP',
      ]) {
        expect(message).to.include(name);
      }
    });

    it('refuses production on the embedded database', () => {
      expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) })).to.throw(
        ConfigError,
        /^Invalid configuration: MONGODB_URI is required when NODE_ENV=production$/,
      );
    });

    it('refuses a short JWT_SECRET and a non-mongodb URI', () => {
      expect(() => loadConfig({ JWT_SECRET: 'short' })).to.throw(ConfigError, /JWT_SECRET/);
      expect(() => loadConfig({ MONGODB_URI: 'http://x' })).to.throw(ConfigError, /MONGODB_URI/);
    });

    it('refuses an ADMIN_PASSWORD over the 72 bytes bcrypt reads', () => {
      const email = 'admin@example.com';
      expect(() => loadConfig({ ADMIN_EMAIL: email, ADMIN_PASSWORD: 'é'.repeat(37) })).to.throw(
        ConfigError,
        /ADMIN_PASSWORD must be at most 72 bytes/,
      );
      expect(loadConfig({ ADMIN_EMAIL: email, ADMIN_PASSWORD: 'é'.repeat(36) }).admin).to.not.equal(null);
    });
  });
});
