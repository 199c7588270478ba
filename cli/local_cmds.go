package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/statelock"
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
	cfg, err := e.loadConfig(c)
	if err != nil {
		return err
	}
	proj, err := e.loadProject(c)
	if err != nil {
		return err
	}
	t, err := e.openTarget(c, proj, cfg)
	if err != nil {
		return err
	}
	defer t.Close(context.WithoutCancel(c.Context))
	where := describeTarget(t.Info())
	holder, err := statelock.Read(t.lockPath)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s is not locked (no %s): nothing to unlock", where, e.rel(t.lockPath))
	}
	if err := statelock.ForceUnlock(t.lockPath, id); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "Removed %s of %s.\n", holder, where)
	fmt.Fprintln(e.Stdout, "Its run may have stopped half way: run the same deploy again to finish the job.")
	return nil
}
