package visible_test

import (
	"fmt"

	"github.com/socketlab/socketlab/inspect/visible"
)

func ExampleString() {
	fmt.Println(visible.String("hi\x1b]52;c;aGk=\a"))
	fmt.Println(visible.String("evil\u202etxt.exe"))
	fmt.Println(visible.String("caf\xe9 \\ café"))
	// Output:
	// hi\x1b]52;c;aGk=\a
	// evil\u202etxt.exe
	// caf\xe9 \\ café
}

func ExampleTview() {
	fmt.Println(visible.Tview("click [:::https://example.invalid]HERE[:::-]"))
	fmt.Println(visible.Tview("[red]\x1b[0m"))
	// Output:
	// click [[:]:::https://example.invalid]HERE[[:]:::-]
	// [[:]red]\x1b[[:]0m
}
