// The chat panel (#chat-panel) is added by the broadcast hub work (issue 4), which replaces
// this file.
