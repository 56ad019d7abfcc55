/**
 * <em>Internal-use-only</em> machinery of Loomlet: not API. Classes here are public only because
 * other Loomlet packages use them; they may change or go away in any release, and nothing outside
 * Loomlet should use them.
 */
package io.loomlet.internal;
