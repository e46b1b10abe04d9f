/**
 * The {@code delineo} command line: one class per command, option parsing and the preflight
 * checks; every user error becomes one line on stderr and exit status 2.
 *
 * <p>May depend on: {@code *} (every package; nothing depends on it).
 */
package org.delineo.training.cli;
