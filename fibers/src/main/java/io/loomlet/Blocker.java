package io.loomlet;

/** The kernel's own reasons to park, shown by dumps: an enum, so nothing compares strings. */
enum Blocker {
    RUN("Hub.run"), SLEEP("sleep"), YIELD("sleep(0)");

    private final String text;

    Blocker(String text) {
        this.text = text;
    }

    @Override
    public String toString() {
        return text;
    }
}
