/**
 * The relay's durable store: fleets, members and roles, API keys, join keys, machines and the
 * audit trail, on one JDBC database (embedded H2 by default, PostgreSQL in production), with the
 * schema kept by migrations. {@link io.cmdop.relay.store.RelayStore} is the entry point; one class
 * per noun ({@link io.cmdop.relay.store.Fleets}, {@link io.cmdop.relay.store.ApiKeys},
 * {@link io.cmdop.relay.store.Machines}, …) holds the operations on it, and records carry the
 * values out. Presented secrets are checked into a {@link io.cmdop.relay.store.Verification}:
 * accepted with what they prove, or refused with a stable {@link io.cmdop.relay.store.Refusal}.
 */
package io.cmdop.relay.store;
