/**
 * <em>Internal-use-only</em> machinery of the monkey patch (the bytecode rewriter, fiber-safe
 * monitors): not API. Public only because the agent and rewritten code reach it from other packages;
 * it may change or go away in any release.
 */
package io.loomlet.iopatch.internal;
