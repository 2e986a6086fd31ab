from diptych.cli import main

main()
