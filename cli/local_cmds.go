package cli

import (
	"errors"
	"fmt"
	"io/fs"

	ucli "github.com/urfave/cli/v2"
)

// forceUnlockCommand is `project force-unlock LOCK_ID`: Terraform's
// force-unlock. The ID is required so that nobody removes a lock they have
// not seen: it is printed by the 'is held' error of the refused run.
func forceUnlockCommand(e *Env) *ucli.Command {
	return &ucli.Command{
		Name:      "force-unlock",
		Usage:     "remove the environment lock left by a run that is gone (needs the lock ID from the 'is held' error)",
		UsageText: "shiftleft project force-unlock [--target local|confluent|flink] [--environment ENV] LOCK_ID",
		Flags:     concatFlags(pipelinesFlags(), targetFlags()),
		Action: func(c *ucli.Context) error {
			a, err := args(c, 1, "LOCK_ID")
			if err != nil {
				return err
			}
			return e.runForceUnlock(c, a[0])
		},
	}
}

func (e *Env) runForceUnlock(c *ucli.Context, id string) error {
	ws, err := e.open(c, readConfig, projectOnly)
	if err != nil {
		return err
	}
	defer e.closeWorkspace(c.Context, ws)
	r, err := ws.ForceUnlock(c.Context, id)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s is not locked (no %s): nothing to unlock", r.Target, e.rel(r.LockPath))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "Removed %s of %s.\n", r.Holder, r.Target)
	fmt.Fprintln(e.Stdout, "Its run may have stopped half way: run the same deploy again to finish the job.")
	return nil
}
